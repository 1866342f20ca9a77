/**
 * Ctrl-C for long commands that can stop cleanly: the first Ctrl-C aborts the
 * signal handed to `work` (training stops after the current step and keeps
 * its checkpoint); a second one quits at once with exit code 130. The handler
 * is removed when `work` settles.
 *
 * @example
 * const result = await stoppableByCtrlC('finetune', (signal) => finetune(model, rows, { ...options, signal }));
 * if (result.stopped) console.error(`resume with: ${resumeCommand('finetune', argv)}`);
 */
export async function stoppableByCtrlC<T>(command: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) {
      process.stderr.write(`\nembedlab ${command}: interrupted again, quitting now\n`);
      process.exit(130);
    }
    process.stderr.write(`\nembedlab ${command}: stopping after the current step (Ctrl-C again to quit at once)…\n`);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
