// The lab-over-SSH setup lives in bench/ (compiled into dist for the benchmark); tests use the same code.
export { labOverSsh, type LabOverSsh } from '../../bench/lab-over-ssh.js';
