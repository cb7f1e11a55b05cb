/**
 * Every built-in plugin module by kind, type and aliases, imported only when asked (createLazyRegistry).
 * Written by `npm run plugins:catalog` from the modules themselves; plugins/catalog.test.ts fails while it is stale.
 */
import type { CatalogEntry } from './registry.js';

export const builtinCatalog: readonly CatalogEntry[] = [
  {
    kind: 'task',
    names: ['amqp.bind', 'io.kestra.plugin.amqp.QueueBind'],
    load: () => import('./amqp/bind.js'),
  },
  {
    kind: 'task',
    names: ['amqp.consume', 'io.kestra.plugin.amqp.Consume'],
    load: () => import('./amqp/consume.js'),
  },
  {
    kind: 'task',
    names: [
      'amqp.declareExchange',
      'io.kestra.plugin.amqp.DeclareExchange',
      'io.kestra.plugin.amqp.CreateExchange',
    ],
    load: () => import('./amqp/declare-exchange.js'),
  },
  {
    kind: 'task',
    names: ['amqp.declareQueue', 'io.kestra.plugin.amqp.CreateQueue'],
    load: () => import('./amqp/declare-queue.js'),
  },
  {
    kind: 'task',
    names: ['amqp.publish', 'io.kestra.plugin.amqp.Publish'],
    load: () => import('./amqp/publish.js'),
  },
  {
    kind: 'trigger',
    names: ['amqp', 'io.kestra.plugin.amqp.RealtimeTrigger'],
    load: () => import('./amqp/trigger.js'),
  },
  {
    kind: 'task',
    names: ['debug.echo', 'io.kestra.plugin.core.debug.Echo', 'io.kestra.core.tasks.debugs.Echo'],
    load: () => import('./core/echo.js'),
  },
  {
    kind: 'task',
    names: ['log.fetch', 'io.kestra.plugin.core.log.Fetch', 'io.kestra.core.tasks.log.Fetch'],
    load: () => import('./core/fetch.js'),
  },
  {
    kind: 'task',
    names: ['log', 'io.kestra.plugin.core.log.Log', 'io.kestra.core.tasks.log.Log'],
    load: () => import('./core/log.js'),
  },
  {
    kind: 'task',
    names: [
      'output',
      'io.kestra.plugin.core.output.OutputValues',
      'io.kestra.core.tasks.outputs.OutputValues',
      'io.kestra.plugin.core.debug.Return',
      'io.kestra.core.tasks.debugs.Return',
    ],
    load: () => import('./core/output.js'),
  },
  {
    kind: 'task',
    names: ['docker.run', 'io.kestra.plugin.docker.Run'],
    load: () => import('./docker/run.js'),
  },
  {
    kind: 'task',
    names: ['execution.assert', 'io.kestra.plugin.core.execution.Assert'],
    load: () => import('./execution/assert.js'),
  },
  {
    kind: 'task',
    names: ['execution.exit', 'io.kestra.plugin.core.execution.Exit'],
    load: () => import('./execution/exit.js'),
  },
  {
    kind: 'task',
    names: [
      'execution.labels',
      'io.kestra.plugin.core.execution.Labels',
      'io.kestra.core.tasks.executions.Labels',
    ],
    load: () => import('./execution/labels.js'),
  },
  {
    kind: 'task',
    names: [
      'execution.purgeExecutions',
      'io.kestra.plugin.core.execution.PurgeExecutions',
      'io.kestra.plugin.core.storage.Purge',
      'io.kestra.core.tasks.storages.Purge',
    ],
    load: () => import('./execution/purge-executions.js'),
  },
  {
    kind: 'task',
    names: ['execution.resume', 'io.kestra.plugin.core.execution.Resume'],
    load: () => import('./execution/resume.js'),
  },
  {
    kind: 'task',
    names: ['execution.setVariables', 'io.kestra.plugin.core.execution.SetVariables'],
    load: () => import('./execution/set-variables.js'),
  },
  {
    kind: 'task',
    names: ['execution.unsetVariables', 'io.kestra.plugin.core.execution.UnsetVariables'],
    load: () => import('./execution/unset-variables.js'),
  },
  { kind: 'trigger', names: ['file'], load: () => import('./file/file.js') },
  {
    kind: 'task',
    names: [
      'allowFailure',
      'io.kestra.plugin.core.flow.AllowFailure',
      'io.kestra.core.tasks.flows.AllowFailure',
    ],
    load: () => import('./flow/allow-failure.js'),
  },
  {
    kind: 'task',
    names: ['approval', 'io.kestra.plugin.core.flow.Approval'],
    load: () => import('./flow/approval.js'),
  },
  {
    kind: 'task',
    names: ['dag', 'io.kestra.plugin.core.flow.Dag', 'io.kestra.core.tasks.flows.Dag'],
    load: () => import('./flow/dag.js'),
  },
  {
    kind: 'task',
    names: [
      'eachParallel',
      'io.kestra.plugin.core.flow.EachParallel',
      'io.kestra.core.tasks.flows.EachParallel',
    ],
    load: () => import('./flow/each-parallel.js'),
  },
  {
    kind: 'task',
    names: [
      'eachSequential',
      'io.kestra.plugin.core.flow.EachSequential',
      'io.kestra.core.tasks.flows.EachSequential',
    ],
    load: () => import('./flow/each-sequential.js'),
  },
  {
    kind: 'task',
    names: ['fail', 'io.kestra.plugin.core.execution.Fail', 'io.kestra.core.tasks.executions.Fail'],
    load: () => import('./flow/fail.js'),
  },
  {
    kind: 'task',
    names: [
      'forEachItem',
      'io.kestra.plugin.core.flow.ForEachItem',
      'io.kestra.core.tasks.flows.ForEachItem',
    ],
    load: () => import('./flow/for-each-item.js'),
  },
  {
    kind: 'task',
    names: ['foreach', 'io.kestra.plugin.core.flow.ForEach'],
    load: () => import('./flow/foreach.js'),
  },
  {
    kind: 'task',
    names: ['if', 'io.kestra.plugin.core.flow.If', 'io.kestra.core.tasks.flows.If'],
    load: () => import('./flow/if.js'),
  },
  { kind: 'task', names: ['loop', 'io.kestra.plugin.core.flow.Loop'], load: () => import('./flow/loop.js') },
  {
    kind: 'task',
    names: ['parallel', 'io.kestra.plugin.core.flow.Parallel', 'io.kestra.core.tasks.flows.Parallel'],
    load: () => import('./flow/parallel.js'),
  },
  {
    kind: 'task',
    names: ['pause', 'io.kestra.plugin.core.flow.Pause', 'io.kestra.core.tasks.flows.Pause'],
    load: () => import('./flow/pause.js'),
  },
  {
    kind: 'task',
    names: ['sequential', 'io.kestra.plugin.core.flow.Sequential', 'io.kestra.core.tasks.flows.Sequential'],
    load: () => import('./flow/sequential.js'),
  },
  {
    kind: 'task',
    names: ['sleep', 'io.kestra.plugin.core.flow.Sleep', 'io.kestra.core.tasks.flows.Sleep'],
    load: () => import('./flow/sleep.js'),
  },
  {
    kind: 'task',
    names: [
      'subflow',
      'io.kestra.plugin.core.flow.Subflow',
      'io.kestra.core.tasks.flows.Subflow',
      'io.kestra.plugin.core.flow.Flow',
      'io.kestra.core.tasks.flows.Flow',
    ],
    load: () => import('./flow/subflow.js'),
  },
  {
    kind: 'task',
    names: ['switch', 'io.kestra.plugin.core.flow.Switch', 'io.kestra.core.tasks.flows.Switch'],
    load: () => import('./flow/switch.js'),
  },
  {
    kind: 'task',
    names: ['flow.template', 'io.kestra.plugin.core.flow.Template', 'io.kestra.core.tasks.flows.Template'],
    load: () => import('./flow/template.js'),
  },
  {
    kind: 'trigger',
    names: ['flow', 'io.kestra.plugin.core.trigger.Flow', 'io.kestra.core.models.triggers.types.Flow'],
    load: () => import('./flow/trigger.js'),
  },
  {
    kind: 'task',
    names: [
      'waitFor',
      'io.kestra.plugin.core.flow.WaitFor',
      'io.kestra.plugin.core.flow.LoopUntil',
      'io.kestra.core.tasks.flows.WaitFor',
    ],
    load: () => import('./flow/wait-for.js'),
  },
  {
    kind: 'task',
    names: [
      'workingDirectory',
      'io.kestra.plugin.core.flow.WorkingDirectory',
      'io.kestra.core.tasks.flows.WorkingDirectory',
      'io.kestra.plugin.core.flow.Worker',
      'io.kestra.core.tasks.flows.Worker',
    ],
    load: () => import('./flow/working-directory.js'),
  },
  {
    kind: 'task',
    names: ['ftp.delete', 'io.kestra.plugin.fs.ftp.Delete'],
    load: () => import('./ftp/delete.js'),
  },
  {
    kind: 'task',
    names: ['ftp.download', 'io.kestra.plugin.fs.ftp.Download'],
    load: () => import('./ftp/download.js'),
  },
  {
    kind: 'task',
    names: ['ftp.downloads', 'io.kestra.plugin.fs.ftp.Downloads'],
    load: () => import('./ftp/downloads.js'),
  },
  { kind: 'task', names: ['ftp.list', 'io.kestra.plugin.fs.ftp.List'], load: () => import('./ftp/list.js') },
  { kind: 'task', names: ['ftp.move', 'io.kestra.plugin.fs.ftp.Move'], load: () => import('./ftp/move.js') },
  {
    kind: 'trigger',
    names: ['ftp', 'io.kestra.plugin.fs.ftp.Trigger'],
    load: () => import('./ftp/trigger.js'),
  },
  {
    kind: 'task',
    names: ['ftp.upload', 'io.kestra.plugin.fs.ftp.Upload'],
    load: () => import('./ftp/upload.js'),
  },
  {
    kind: 'task',
    names: ['ftp.uploads', 'io.kestra.plugin.fs.ftp.Uploads'],
    load: () => import('./ftp/uploads.js'),
  },
  {
    kind: 'task',
    names: ['ftps.delete', 'io.kestra.plugin.fs.ftps.Delete'],
    load: () => import('./ftps/delete.js'),
  },
  {
    kind: 'task',
    names: ['ftps.download', 'io.kestra.plugin.fs.ftps.Download'],
    load: () => import('./ftps/download.js'),
  },
  {
    kind: 'task',
    names: ['ftps.downloads', 'io.kestra.plugin.fs.ftps.Downloads'],
    load: () => import('./ftps/downloads.js'),
  },
  {
    kind: 'task',
    names: ['ftps.list', 'io.kestra.plugin.fs.ftps.List'],
    load: () => import('./ftps/list.js'),
  },
  {
    kind: 'task',
    names: ['ftps.move', 'io.kestra.plugin.fs.ftps.Move'],
    load: () => import('./ftps/move.js'),
  },
  {
    kind: 'trigger',
    names: ['ftps', 'io.kestra.plugin.fs.ftps.Trigger'],
    load: () => import('./ftps/trigger.js'),
  },
  {
    kind: 'task',
    names: ['ftps.upload', 'io.kestra.plugin.fs.ftps.Upload'],
    load: () => import('./ftps/upload.js'),
  },
  {
    kind: 'task',
    names: ['ftps.uploads', 'io.kestra.plugin.fs.ftps.Uploads'],
    load: () => import('./ftps/uploads.js'),
  },
  {
    kind: 'task',
    names: ['http.request', 'io.kestra.plugin.core.http.Request'],
    load: () => import('./http/request.js'),
  },
  { kind: 'trigger', names: ['interval'], load: () => import('./interval/interval.js') },
  {
    kind: 'task',
    names: ['kafka.produce', 'io.kestra.plugin.kafka.Produce'],
    load: () => import('./kafka/produce.js'),
  },
  {
    kind: 'trigger',
    names: ['kafka', 'io.kestra.plugin.kafka.RealtimeTrigger'],
    load: () => import('./kafka/trigger.js'),
  },
  { kind: 'task', names: ['kv.get', 'io.kestra.plugin.core.kv.Get'], load: () => import('./kv/get.js') },
  { kind: 'task', names: ['kv.set', 'io.kestra.plugin.core.kv.Set'], load: () => import('./kv/set.js') },
  {
    kind: 'task',
    names: ['mqtt.publish', 'io.kestra.plugin.mqtt.Publish'],
    load: () => import('./mqtt/publish.js'),
  },
  {
    kind: 'trigger',
    names: ['mqtt', 'io.kestra.plugin.mqtt.RealtimeTrigger'],
    load: () => import('./mqtt/trigger.js'),
  },
  {
    kind: 'task',
    names: ['namespace.delete', 'io.kestra.plugin.core.namespace.DeleteFiles'],
    load: () => import('./namespace/delete-files.js'),
  },
  {
    kind: 'task',
    names: ['namespace.download', 'io.kestra.plugin.core.namespace.DownloadFiles'],
    load: () => import('./namespace/download-files.js'),
  },
  {
    kind: 'task',
    names: ['namespace.upload', 'io.kestra.plugin.core.namespace.UploadFiles'],
    load: () => import('./namespace/upload-files.js'),
  },
  {
    kind: 'trigger',
    names: [
      'schedule',
      'io.kestra.plugin.core.trigger.Schedule',
      'io.kestra.core.models.triggers.types.Schedule',
    ],
    load: () => import('./schedule/schedule.js'),
  },
  {
    kind: 'task',
    names: ['script.node', 'io.kestra.plugin.scripts.node.Script', 'io.kestra.plugin.scripts.node.Commands'],
    load: () => import('./script/node.js'),
  },
  {
    kind: 'task',
    names: [
      'script.python',
      'io.kestra.plugin.scripts.python.Script',
      'io.kestra.plugin.scripts.python.Commands',
    ],
    load: () => import('./script/python.js'),
  },
  {
    kind: 'task',
    names: ['script.shell', 'io.kestra.plugin.scripts.shell.Script'],
    load: () => import('./script/shell.js'),
  },
  {
    kind: 'task',
    names: ['sftp.delete', 'io.kestra.plugin.fs.sftp.Delete'],
    load: () => import('./sftp/delete.js'),
  },
  {
    kind: 'task',
    names: ['sftp.download', 'io.kestra.plugin.fs.sftp.Download'],
    load: () => import('./sftp/download.js'),
  },
  {
    kind: 'task',
    names: ['sftp.downloads', 'io.kestra.plugin.fs.sftp.Downloads'],
    load: () => import('./sftp/downloads.js'),
  },
  {
    kind: 'task',
    names: ['sftp.list', 'io.kestra.plugin.fs.sftp.List'],
    load: () => import('./sftp/list.js'),
  },
  {
    kind: 'task',
    names: ['sftp.move', 'io.kestra.plugin.fs.sftp.Move'],
    load: () => import('./sftp/move.js'),
  },
  {
    kind: 'trigger',
    names: ['sftp', 'io.kestra.plugin.fs.sftp.Trigger'],
    load: () => import('./sftp/trigger.js'),
  },
  {
    kind: 'task',
    names: ['sftp.upload', 'io.kestra.plugin.fs.sftp.Upload'],
    load: () => import('./sftp/upload.js'),
  },
  {
    kind: 'task',
    names: ['sftp.uploads', 'io.kestra.plugin.fs.sftp.Uploads'],
    load: () => import('./sftp/uploads.js'),
  },
  {
    kind: 'task',
    names: ['bash', 'io.kestra.core.tasks.scripts.Bash'],
    load: () => import('./shell/bash.js'),
  },
  {
    kind: 'task',
    names: ['shell', 'io.kestra.plugin.scripts.shell.Commands'],
    load: () => import('./shell/commands.js'),
  },
  {
    kind: 'task',
    names: [
      'sql.query',
      'io.kestra.plugin.jdbc.postgresql.Query',
      'io.kestra.plugin.jdbc.sqlite.Query',
      'io.kestra.plugin.jdbc.mysql.Query',
      'io.kestra.plugin.jdbc.mariadb.Query',
    ],
    load: () => import('./sql/query.js'),
  },
  {
    kind: 'task',
    names: ['state.delete', 'io.kestra.plugin.core.state.Delete', 'io.kestra.core.tasks.states.Delete'],
    load: () => import('./state/delete.js'),
  },
  {
    kind: 'task',
    names: ['state.get', 'io.kestra.plugin.core.state.Get', 'io.kestra.core.tasks.states.Get'],
    load: () => import('./state/get.js'),
  },
  {
    kind: 'task',
    names: ['state.set', 'io.kestra.plugin.core.state.Set', 'io.kestra.core.tasks.states.Set'],
    load: () => import('./state/set.js'),
  },
  {
    kind: 'task',
    names: ['storage.concat', 'io.kestra.plugin.core.storage.Concat', 'io.kestra.core.tasks.storages.Concat'],
    load: () => import('./storage/concat.js'),
  },
  {
    kind: 'task',
    names: [
      'storage.deduplicateItems',
      'io.kestra.plugin.core.storage.DeduplicateItems',
      'io.kestra.core.tasks.storages.DeduplicateItems',
    ],
    load: () => import('./storage/deduplicate-items.js'),
  },
  {
    kind: 'task',
    names: ['storage.delete', 'io.kestra.plugin.core.storage.Delete', 'io.kestra.core.tasks.storages.Delete'],
    load: () => import('./storage/delete.js'),
  },
  {
    kind: 'task',
    names: [
      'storage.filterItems',
      'io.kestra.plugin.core.storage.FilterItems',
      'io.kestra.core.tasks.storages.FilterItems',
    ],
    load: () => import('./storage/filter-items.js'),
  },
  {
    kind: 'task',
    names: [
      'storage.localFiles',
      'io.kestra.plugin.core.storage.LocalFiles',
      'io.kestra.core.tasks.storages.LocalFiles',
    ],
    load: () => import('./storage/local-files.js'),
  },
  {
    kind: 'task',
    names: [
      'storage.purgeCurrentExecutionFiles',
      'io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles',
      'io.kestra.core.tasks.storages.PurgeCurrentExecutionFiles',
    ],
    load: () => import('./storage/purge-current-execution-files.js'),
  },
  {
    kind: 'task',
    names: [
      'storage.reverse',
      'io.kestra.plugin.core.storage.Reverse',
      'io.kestra.core.tasks.storages.Reverse',
    ],
    load: () => import('./storage/reverse.js'),
  },
  {
    kind: 'task',
    names: ['storage.size', 'io.kestra.plugin.core.storage.Size', 'io.kestra.core.tasks.storages.Size'],
    load: () => import('./storage/size.js'),
  },
  {
    kind: 'task',
    names: ['storage.split', 'io.kestra.plugin.core.storage.Split', 'io.kestra.core.tasks.storages.Split'],
    load: () => import('./storage/split.js'),
  },
  {
    kind: 'task',
    names: ['storage.write', 'io.kestra.plugin.core.storage.Write'],
    load: () => import('./storage/write.js'),
  },
  {
    kind: 'task',
    names: [
      'templatedTask',
      'io.kestra.plugin.core.templating.TemplatedTask',
      'io.kestra.core.tasks.templating.TemplatedTask',
    ],
    load: () => import('./templating/templated-task.js'),
  },
  {
    kind: 'task',
    names: ['trigger.toggle', 'io.kestra.plugin.core.trigger.Toggle'],
    load: () => import('./trigger/toggle.js'),
  },
  {
    kind: 'trigger',
    names: [
      'webhook',
      'io.kestra.plugin.core.trigger.Webhook',
      'io.kestra.core.models.triggers.types.Webhook',
    ],
    load: () => import('./webhook/webhook.js'),
  },
];
