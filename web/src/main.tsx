/** @module The browser entry: mounts the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { loadTimeZoneSetting } from './time-zone-setting.js';
import './styles.css';

// Before the first render, so that no time is ever shown in another zone.
loadTimeZoneSetting();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
