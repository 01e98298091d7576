import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { prefetch } from './api';
import { overviewUrl } from './pages/Overview';
import './style.css';

// The overview is the usual entry page: fetch its first rows while React starts (first paint on 1000-class runs).
if (window.location.pathname === '/') prefetch(overviewUrl(new URLSearchParams(window.location.search)));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
