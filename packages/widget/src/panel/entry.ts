// The panel as a standalone ES module for the classic build (`helpline-panel.js` next to the IIFE).
export { HelplinePanelElement, mountPanel, setServerConnector } from './panel';
