import { parseArgs } from 'node:util';
import { EmbedlabError } from '../../util/errors';
import {
  DEFAULT_KERNEL_NAME,
  installKernel,
  kernelStatus,
  uninstallKernel,
  type KernelLocation,
} from '../../../kernel/install';
import type { Command } from '../command';

const HELP = `usage: embedlab kernel install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name TEXT]
       embedlab kernel uninstall [--name NAME]
       embedlab kernel status [--name NAME] [--json]

Installs the "TypeScript (embedlab)" Jupyter kernel: this package's tslab,
with \`import { ... } from 'embedlab'\` working in notebooks in any folder and
top-level await in cells. Uses \`jupyter kernelspec install\` (no IPython needed).

  --user          install for the current user (the default)
  --sys-prefix    install into Python's sys.prefix (a virtualenv or conda env)
  --prefix DIR    install into DIR/share/jupyter/kernels (add DIR/share/jupyter to JUPYTER_PATH)
  --name NAME     kernel name (default "${DEFAULT_KERNEL_NAME}")
  --display-name  name shown in the kernel picker (default "TypeScript (embedlab)")
  --jupyter CMD   the jupyter command to run (default: $JUPYTER, else jupyter on PATH)
  --json          status as JSON

Reinstall after moving the package or switching Node: the spec stores absolute paths.`;

export const command: Command = {
  summary: 'install, remove or check the Jupyter kernel (TypeScript via tslab)',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        user: { type: 'boolean', default: false },
        'sys-prefix': { type: 'boolean', default: false },
        prefix: { type: 'string' },
        name: { type: 'string' },
        'display-name': { type: 'string' },
        jupyter: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const [action, ...extra] = positionals;
    if (extra.length > 0) throw new EmbedlabError(`unexpected argument "${extra[0]}"\n\n${HELP}`);
    const common = { name: values.name, jupyter: values.jupyter };
    switch (action) {
      case 'install': {
        const chosen = [values.user, values['sys-prefix'], values.prefix !== undefined].filter(Boolean).length;
        if (chosen > 1) throw new EmbedlabError('choose one of --user, --sys-prefix and --prefix');
        const location: KernelLocation =
          values.prefix !== undefined ? { prefix: values.prefix } : values['sys-prefix'] ? { sysPrefix: true } : { user: true };
        const installed = await installKernel({ ...common, location, displayName: values['display-name'] });
        console.log(`installed kernel "${installed.name}" (${installed.spec.display_name}) in ${installed.resourceDir}`);
        if ('prefix' in location) {
          console.log(`Jupyter finds it when JUPYTER_PATH includes ${location.prefix}/share/jupyter`);
        }
        return 0;
      }
      case 'uninstall': {
        const removed = await uninstallKernel(common);
        console.log(`removed kernel "${values.name ?? DEFAULT_KERNEL_NAME}" from ${removed}`);
        return 0;
      }
      case 'status': {
        const status = await kernelStatus(common);
        if (values.json) console.log(JSON.stringify(status, null, 2));
        else if (!status.installed) console.log(`kernel "${status.name}": not installed (run \`embedlab kernel install\`)`);
        else {
          console.log(`kernel "${status.name}": installed in ${status.resourceDir}`);
          console.log(status.upToDate ? 'runs this copy of embedlab' : `needs a reinstall: ${status.problems.join('; ')}`);
        }
        return status.upToDate ? 0 : 1;
      }
      default:
        throw new EmbedlabError(action ? `unknown action "${action}"\n\n${HELP}` : HELP);
    }
  },
};
