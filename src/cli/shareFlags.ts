/**
 * Flags for prompts, the model card and publishing, shared by `demo` and
 * `finetune`: `--query-prompt`, `--document-prompt` (or `--query-prompt-name`,
 * `--document-prompt-name`), `--license`, `--language`, `--push-to-hub`,
 * `--private`.
 */
import type { PromptOptions, ShareOptions } from '../workflow/sharing';
import { checkPromptOptions, checkShareOptions } from '../workflow/sharing';

/** parseArgs option specs of the flags. */
export const SHARE_FLAGS = {
  'query-prompt': { type: 'string' },
  'document-prompt': { type: 'string' },
  'query-prompt-name': { type: 'string' },
  'document-prompt-name': { type: 'string' },
  license: { type: 'string' },
  language: { type: 'string' },
  'push-to-hub': { type: 'string' },
  private: { type: 'boolean' },
} as const;

/** Help lines for the flags. */
export const SHARE_HELP = `  --query-prompt TEXT    text before every query / anchor in training and evaluation (e.g. "query: ");
                         saved as the model's "query" prompt
  --document-prompt TEXT text before every document / positive / negative (e.g. "passage: ");
                         saved as the model's "document" prompt
  --query-prompt-name N  use the model's own prompt N (config_sentence_transformers.json) for queries
  --document-prompt-name N  the same for documents
  --license ID           license in the model card (default: the base model's, from its card)
  --language LIST        language codes in the model card, e.g. en,de (default: from the base model's
                         and the dataset's cards)
  --push-to-hub REPO     push the fine-tuned model to the Hub repo owner/name (HF_TOKEN, HF_ENDPOINT)
  --private              create that repo private`;

type Values = { [K in keyof typeof SHARE_FLAGS]?: (typeof SHARE_FLAGS)[K]['type'] extends 'boolean' ? boolean : string };

/** The flags as options, checked (with flag names in the errors) before any work. */
export function parseShareFlags(values: Values): PromptOptions & ShareOptions {
  const flag = (message: string) => message
    .replace(/^give a (query|document) prompt or a \1 prompt name, not both$/, (_, side: string) => `pass --${side}-prompt or --${side}-prompt-name, not both`)
    .replace(/^the (query|document) prompt( name)? is empty$/, (_, side: string, name?: string) => `--${side}-prompt${name ? '-name' : ''} is empty`)
    .replace(/^license /, '--license ')
    .replace(/^language /, '--language ')
    .replace(/^private applies to a push: give the repo to push to$/, '--private applies to --push-to-hub: give the repo to push to');
  const options: PromptOptions & ShareOptions = {
    ...(values['query-prompt'] !== undefined && { queryPrompt: values['query-prompt'] }),
    ...(values['document-prompt'] !== undefined && { documentPrompt: values['document-prompt'] }),
    ...(values['query-prompt-name'] !== undefined && { queryPromptName: values['query-prompt-name'] }),
    ...(values['document-prompt-name'] !== undefined && { documentPromptName: values['document-prompt-name'] }),
    ...(values.license !== undefined && { license: values.license }),
    ...(values.language !== undefined && { language: values.language.split(',').map((l) => l.trim()) }),
    ...(values['push-to-hub'] !== undefined && { pushToHub: values['push-to-hub'] }),
    ...(values.private && { private: true }),
  };
  try {
    checkPromptOptions(options);
    checkShareOptions(options);
  } catch (error) {
    (error as Error).message = flag((error as Error).message);
    throw error;
  }
  return options;
}
