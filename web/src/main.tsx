import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './i18n';
import { tokenStylesheet } from './theme/tokens';
import './theme/app.css';
import { App } from './app/App';

// The colour tokens are written once from theme/tokens.ts, the same table the contrast test reads.
const style = document.createElement('style');
style.dataset.tokens = '';
style.textContent = tokenStylesheet();
document.head.prepend(style);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
