import type { Command } from '../command';
import { initBackend } from '../../backend';
import { defineFlags, flagHelp, parseFlags } from '../flags';

const FLAGS = defineFlags('backend', {
  optional: ['backend', 'json'],
  help: { json: 'print the details as JSON' },
});

export const command: Command = {
  summary: 'show which TensorFlow.js backend is active and why',
  help: `usage: embedlab backend [--backend gpu|node|wasm|cpu] [--json]

Prints the backend embedlab selects on this machine (tfjs-node-gpu, then
tfjs-node, then wasm, then cpu) and why better ones were skipped.
EMBEDLAB_BACKEND forces a backend, as --backend does.

${flagHelp(FLAGS)}`,
  async run(argv) {
    const values = parseFlags(argv, FLAGS);
    const info = await initBackend(values.backend);
    console.log(values.json ? JSON.stringify(info, null, 2) : info.summary);
  },
};
