import { EmbedlabError } from '../util/errors';

export type RepoKind = 'model' | 'dataset';

/** A validated hub repository id such as `BAAI/bge-small-en-v1.5`. */
export interface HubRepo {
  kind: RepoKind;
  /** `org/name` or `name`. */
  id: string;
}

const REPO_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;

/** True when the text is shaped like a hub id (`name` or `org/name`), per huggingface_hub's rules. */
export function isHubRepoId(text: string): boolean {
  return (
    REPO_ID.test(text) &&
    text.length <= 96 &&
    !text.includes('--') &&
    !text.includes('..') &&
    !text.endsWith('.git') &&
    !/[.-]$/.test(text)
  );
}

/**
 * True when the text can only mean a local path: it starts with `.`, `/` or `~`,
 * has a backslash or a drive letter, or has more than one `/`.
 */
export function looksLikeLocalPath(text: string): boolean {
  return (
    text.startsWith('.') ||
    text.startsWith('/') ||
    text.startsWith('~') ||
    text.includes('\\') ||
    /^[a-zA-Z]:/.test(text) ||
    text.split('/').length > 2
  );
}

/** Validates a hub id and tags it with its repo kind; throws a clear error otherwise. */
export function parseRepoId(text: string, kind: RepoKind): HubRepo {
  if (!isHubRepoId(text)) {
    throw new EmbedlabError(
      `${JSON.stringify(text)} is neither an existing local folder nor a valid Hugging Face ${kind} id ` +
        `(expected "name" or "org/name" with letters, digits, "-", "_", ".")`,
    );
  }
  return { kind, id: text };
}

/** The cache folder name huggingface_hub uses: `models--org--name`, `datasets--org--name`. */
export function repoFolderName(repo: HubRepo): string {
  return [`${repo.kind}s`, ...repo.id.split('/')].join('--');
}
