#!/usr/bin/env node
/**
 * `embedlab <command> [options]` — each command lives in `commands/<name>.ts`
 * and exports a {@link Command}. Errors the user can fix print as one
 * paragraph with exit code 2; anything else keeps its stack (a bug).
 */
import { EmbedlabError } from '../util/errors';
import { explainFsError, isFsError } from '../util/fsErrors';
import type { Command } from './command';

const COMMANDS: Record<string, string> = {
  demo: './commands/demo',
  encode: './commands/encode',
  evaluate: './commands/evaluate',
  finetune: './commands/finetune',
  'mine-negatives': './commands/mineNegatives',
  push: './commands/push',
  distill: './commands/distill',
  kernel: './commands/kernel',
  backend: './commands/backend',
};

function loadCommand(name: string): Command | undefined {
  const path = COMMANDS[name];
  if (!path) return undefined;
  try {
    return (require(path) as { command: Command }).command;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String(error).includes(path.slice(2))) {
      return undefined;
    }
    throw error;
  }
}

function usage(): string {
  const lines = ['usage: embedlab <command> [options]', '', 'commands:'];
  for (const name of Object.keys(COMMANDS)) {
    const command = loadCommand(name);
    if (command) lines.push(`  ${name.padEnd(16)}${command.summary}`);
  }
  lines.push('', 'Run `embedlab <command> --help` for its options.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const command = loadCommand(name);
  if (!command) {
    console.error(`embedlab: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  try {
    return (await command.run(rest)) ?? 0;
  } catch (error) {
    if (error instanceof EmbedlabError || (error as { code?: string }).code?.startsWith?.('ERR_PARSE_ARGS')) {
      console.error(`embedlab ${name}: ${(error as Error).message}`);
      return 2;
    }
    // a file-system failure no check caught (a disk filling up, a mount going read-only): explained, not a stack
    if (isFsError(error)) {
      console.error(`embedlab ${name}: ${(explainFsError(error, error.path, 'access') as Error).message}`);
      return 2;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
