import { render } from 'preact';
import { App } from './App';
import { configureClient } from './api/client';
import { loadConfig } from './config';
import { finishCognito, takeFragmentToken } from './auth/handoff';
import { clearToken, sessionFromToken, storeToken, storedToken } from './auth/session';
import './styles.css';

async function start() {
  const root = document.getElementById('app')!;
  let config;
  try {
    config = await loadConfig();
  } catch {
    root.innerHTML =
      '<main class="page"><h1>Messages</h1><p class="error" role="alert" data-testid="error">The app could not load its settings. Please reload the page.</p></main>';
    return;
  }
  let message: string | null = null;
  let token = takeFragmentToken();
  if (!token && config.signin.kind === 'cognito') {
    try {
      token = await finishCognito(config.signin);
    } catch (e) {
      message = e instanceof Error ? e.message : 'The sign-in did not finish. Please try again.';
    }
  }
  if (token) {
    if (sessionFromToken(token, config.claims)) storeToken(token);
    else {
      token = null;
      message = 'That sign-in link could not be used: it may have expired. Please sign in again.';
    }
  } else {
    token = storedToken();
    if (token && !sessionFromToken(token, config.claims)) {
      clearToken();
      token = null;
      message = 'Your sign-in has expired. Please sign in again.';
    }
  }
  // The stored token is the one source of truth: every tab request reads it as it goes.
  configureClient({ base: config.api, token: storedToken });
  render(<App config={config} initialToken={token} initialMessage={message} />, root);
}

void start();
