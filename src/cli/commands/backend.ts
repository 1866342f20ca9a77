import { parseArgs } from 'node:util';
import { initBackend, type BackendChoice } from '../../backend';
import type { Command } from '../command';

export const command: Command = {
  summary: 'show which TensorFlow.js backend is active and why',
  help: `usage: embedlab backend [--backend gpu|node|wasm|cpu] [--json]

Prints the backend embedlab selects on this machine (tfjs-node-gpu, then
tfjs-node, then wasm, then cpu) and why better ones were skipped.
EMBEDLAB_BACKEND forces a backend, as --backend does.`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { backend: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    const info = await initBackend(values.backend as BackendChoice | undefined);
    console.log(values.json ? JSON.stringify(info, null, 2) : info.summary);
  },
};
