// How the browser tests and the benchmark start Debian's Chromium: headless, without the
// sandbox (CI runs as root) and without background networking (the machine's network is
// closed, and Chromium's own connections would be refused many at a time).
export const chromiumLaunch = {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
