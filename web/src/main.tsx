/** @module The browser entry: mounts the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { startDiscoverSearch } from './discover.js';
import { stateFromUrl } from './state.js';
import { loadTimeZoneSetting } from './time-zone-setting.js';
import './styles.css';

// Before the first render, so that no time is ever shown in another zone.
loadTimeZoneSetting();
// Discover's search goes out with the session check, not after it (first-search.ts).
startDiscoverSearch(stateFromUrl(window.location.pathname, window.location.search));

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
