// The loopback OpenSSH server for e2e tests. The implementation is shared with the
// benchmark (bench/ is compiled with the app, test/ is not), so it lives in bench/sshd.ts.
export * from '../../bench/sshd.js';
