// Debian's Chromium as this machine runs it headless — no browser download, no sandbox as root, none of its
// background calls to Google (refused on a closed network) — for the browser tests and the docs' screenshots.
export const CHROMIUM = {
  executablePath: process.env.FERRY_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic'],
};
