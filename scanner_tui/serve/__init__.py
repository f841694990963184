"""Many terminals, one host: ``scanner-tui serve`` (SSH and the browser), the app that keeps
its terminal's place in the store, and the child process each connection runs."""
