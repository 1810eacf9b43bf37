// A page bundled with esbuild from the packed tarballs: the widget's one tag and a visitor session from core.
import '@helpline/widget/define';
import { createVisitorSession, createWebSocketTransport } from '@helpline/core';

const session = createVisitorSession({
  transport: createWebSocketTransport({ url: 'wss://help.example.com/v1/ws', site: 'shop' }),
  token: 'visitor-token',
});
document.body.append(document.createElement('helpline-widget'));
session.$connection.subscribe((connection) => {
  document.title = connection.value;
});
