/**
 * The browser's install offer (Chromium's `beforeinstallprompt`, not in TypeScript's DOM types): kept when it
 * fires, so the app shows its own Install button and calls prompt() on the user's click.
 */
export interface InstallPromptEvent extends Event {
  prompt(): Promise<unknown>;
}

export function isInstallPrompt(e: Event): e is InstallPromptEvent {
  return 'prompt' in e && typeof e.prompt === 'function';
}

/** Calls `onOffer` with each install offer (null once the app is installed); returns the cleanup. */
export function watchInstallOffer(onOffer: (e: InstallPromptEvent | null) => void): () => void {
  const offered = (e: Event): void => {
    if (!isInstallPrompt(e)) return;
    e.preventDefault(); // no mini-infobar: the header's button offers it
    onOffer(e);
  };
  const installed = (): void => onOffer(null);
  addEventListener('beforeinstallprompt', offered);
  addEventListener('appinstalled', installed);
  return () => {
    removeEventListener('beforeinstallprompt', offered);
    removeEventListener('appinstalled', installed);
  };
}
