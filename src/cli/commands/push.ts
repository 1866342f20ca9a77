import { parseArgs } from 'node:util';
import { checkPushFolder, checkPushRepoId, pushToHub, type PushResult } from '../../hub/push';
import { EmbedlabError } from '../../util/errors';
import { terminalProgress, type ProgressBar } from '../../../widgets';
import type { Command } from '../command';
import { stoppableByCtrlC } from '../ctrlC';

const HELP = `usage: embedlab push <folder> <repo-id> [--private] [--message TEXT] [--branch B]

Uploads a saved model folder to the Hugging Face Hub as <repo-id> ("owner/name"),
creating the repo when it does not exist. Weights go through the Hub's Git LFS
path; everything lands in one commit, so an interrupted push changes nothing and
can simply be run again. Hidden files and checkpoint-* folders are not uploaded.

  --private        create the repo private (an existing repo keeps its visibility)
  --message TEXT   commit message (default "Upload model with embedlab")
  --branch B       branch to commit to (default main)

The token comes from HF_TOKEN (or the file \`huggingface-cli login\` writes) and
needs write access; the Hub is HF_ENDPOINT (default https://huggingface.co).`;

/** Pushes with a terminal progress bar and prints where the model went. */
export async function pushWithProgress(folder: string, repoId: string, options: { private?: boolean; message?: string; branch?: string; signal?: AbortSignal } = {}): Promise<PushResult> {
  let bar: ProgressBar | undefined;
  const result = await pushToHub(folder, repoId, {
    ...(options.private !== undefined && { private: options.private }),
    ...(options.message !== undefined && { commitMessage: options.message }),
    ...(options.branch !== undefined && { branch: options.branch }),
    ...(options.signal && { signal: options.signal }),
    onProgress: (p) => {
      if (p.phase !== 'uploading' && p.phase !== 'done') return;
      bar ??= terminalProgress(`pushing to ${repoId}`, { unit: 'bytes' });
      bar(p.uploaded, p.total);
    },
  });
  bar?.finish();
  console.error(`${result.created ? 'created' : 'updated'} ${result.url}: ${result.files.length} files in commit ${result.commit.slice(0, 12)}`);
  return result;
}

export const command: Command = {
  summary: 'upload a saved model folder to the Hugging Face Hub',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        private: { type: 'boolean', default: false },
        message: { type: 'string' },
        branch: { type: 'string' },
      },
    });
    if (positionals.length !== 2) {
      throw new EmbedlabError(`expected <folder> <repo-id>, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'} (embedlab push runs/demo/model my-org/my-model)`);
    }
    const [folder, repoId] = positionals as [string, string];
    checkPushRepoId(repoId);
    checkPushFolder(folder);
    if (values.message !== undefined && values.message.trim() === '') throw new EmbedlabError('--message is empty');
    if (values.branch !== undefined && !/^[\w.\-/]+$/.test(values.branch)) throw new EmbedlabError(`--branch "${values.branch}" is not a branch name`);
    const result = await stoppableByCtrlC('push', (signal) =>
      pushWithProgress(folder, repoId, {
        private: values.private,
        ...(values.message !== undefined && { message: values.message }),
        ...(values.branch !== undefined && { branch: values.branch }),
        signal,
      }),
    );
    console.log(result.url);
  },
};
