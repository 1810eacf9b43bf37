// The demo's returning customer (scripts/lib/demo-cases.mjs seeds her): "Returning customer" signs this browser in as
// Dana Whitfield, who has an open case in the Support queue, so her chat shows Alice the case at once. Dev mode only:
// the token comes from the server's demo token endpoint, and is stored where the widget keeps its visitor token.
const RETURNING = { id: 'v_demo_dana', name: 'Dana Whitfield' };
const button = document.getElementById('shop-returning');
const widgetScript = document.querySelector('script[data-site]');
const server = new URL(widgetScript.dataset.server);
const site = widgetScript.dataset.site;
const key = `helpline:visitor:${server.href}:${site}`;

function signedInAs() {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null')?.visitor?.id;
  } catch {
    return undefined;
  }
}

if (signedInAs() === RETURNING.id) {
  button.textContent = `Signed in as ${RETURNING.name}`;
  button.disabled = true;
}

button.addEventListener('click', async () => {
  const response = await fetch(new URL('v1/dev/tokens', server), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'visitor', id: RETURNING.id, name: RETURNING.name, site }),
  });
  if (!response.ok) {
    button.textContent = 'Returning customer: the server refused (is it in dev mode?)';
    return;
  }
  const { token, expiresAt } = await response.json();
  localStorage.setItem(key, JSON.stringify({ token, expiresAt, visitor: { id: RETURNING.id } }));
  location.reload();
});
