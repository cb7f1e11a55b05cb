/** `tern namespaces files list|get|put|delete`: a namespace's files on the hub. */
import type { Command } from 'commander';
import { type ApiFlags, api, apiContext, type CliContext } from './shared.js';

/** Adds `tern namespaces files` and its subcommands. */
export function register(program: Command, cli: CliContext): void {
  const filesCmd = program
    .command('namespaces')
    .description('namespaces on the hub')
    .command('files')
    .description("a namespace's files (scripts, SQL, configuration) that its flows use");
  api(filesCmd.command('list').description('list the live files').argument('<namespace>'), cli).action(
    async (namespace: string, o: ApiFlags) => {
      const { client, out, files } = await apiContext(o, cli);
      process.exitCode = await files.filesList(client, out, namespace);
    },
  );
  api(
    filesCmd.command('get').description("print a file's bytes").argument('<namespace>').argument('<path>'),
    cli,
  ).action(async (namespace: string, path: string, o: ApiFlags) => {
    const { client, files } = await apiContext(o, cli);
    process.exitCode = await files.filesGet(client, namespace, path);
  });
  api(
    filesCmd
      .command('put')
      .description('store a local file as a namespace file (a new revision when it differs)')
      .argument('<namespace>')
      .argument('<path>', 'path in the namespace, e.g. /scripts/etl.py')
      .argument('<file>', 'local file'),
    cli,
  ).action(async (namespace: string, path: string, file: string, o: ApiFlags) => {
    const { client, out, files } = await apiContext(o, cli);
    process.exitCode = await files.filesPut(client, out, namespace, path, file);
  });
  api(
    filesCmd
      .command('delete')
      .description('delete a file (its revisions stay on the hub)')
      .argument('<namespace>')
      .argument('<path>'),
    cli,
  ).action(async (namespace: string, path: string, o: ApiFlags) => {
    const { client, out, files } = await apiContext(o, cli);
    process.exitCode = await files.filesDelete(client, out, namespace, path);
  });
}
