/**
 * The shell command that continues a stopped run: the same arguments (quoted
 * where the shell needs it, without `--overwrite`) plus `--resume`.
 *
 * @example
 * resumeCommand('finetune', ['--train', 'my data.jsonl', '--output', 'out']);
 * // "embedlab finetune --train 'my data.jsonl' --output out --resume"
 */
export function resumeCommand(command: string, argv: readonly string[]): string {
  // --overwrite would start the run over instead of continuing it
  const quoted = argv.filter((a) => a !== '--resume' && a !== '--overwrite').map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return ['embedlab', command, ...quoted, '--resume'].join(' ');
}
