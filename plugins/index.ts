/** The built-in task and trigger types, in two lists: what every runtime registers. */
import type { AnyTaskDefinition, AnyTriggerDefinition } from '../protocol/plugin.js';
import amqpBind from './amqp/bind.js';
import amqpConsume from './amqp/consume.js';
import amqpDeclareExchange from './amqp/declare-exchange.js';
import amqpDeclareQueue from './amqp/declare-queue.js';
import amqpPublish from './amqp/publish.js';
import amqpTrigger from './amqp/trigger.js';
import echo from './core/echo.js';
import logFetch from './core/fetch.js';
import log from './core/log.js';
import output from './core/output.js';
import dockerRun from './docker/run.js';
import executionAssert from './execution/assert.js';
import executionExit from './execution/exit.js';
import executionLabels from './execution/labels.js';
import executionPurgeExecutions from './execution/purge-executions.js';
import executionResume from './execution/resume.js';
import executionSetVariables from './execution/set-variables.js';
import executionUnsetVariables from './execution/unset-variables.js';
import fileTrigger from './file/file.js';
import allowFailure from './flow/allow-failure.js';
import approval from './flow/approval.js';
import dag from './flow/dag.js';
import eachParallel from './flow/each-parallel.js';
import eachSequential from './flow/each-sequential.js';
import fail from './flow/fail.js';
import forEachItem from './flow/for-each-item.js';
import foreach from './flow/foreach.js';
import ifTask from './flow/if.js';
import loop from './flow/loop.js';
import parallel from './flow/parallel.js';
import pause from './flow/pause.js';
import sequential from './flow/sequential.js';
import sleep from './flow/sleep.js';
import subflow from './flow/subflow.js';
import switchTask from './flow/switch.js';
import template from './flow/template.js';
import flowTrigger from './flow/trigger.js';
import waitFor from './flow/wait-for.js';
import workingDirectory from './flow/working-directory.js';
import ftpDelete from './ftp/delete.js';
import ftpDownload from './ftp/download.js';
import ftpDownloads from './ftp/downloads.js';
import ftpList from './ftp/list.js';
import ftpMove from './ftp/move.js';
import ftpTrigger from './ftp/trigger.js';
import ftpUpload from './ftp/upload.js';
import ftpUploads from './ftp/uploads.js';
import ftpsDelete from './ftps/delete.js';
import ftpsDownload from './ftps/download.js';
import ftpsDownloads from './ftps/downloads.js';
import ftpsList from './ftps/list.js';
import ftpsMove from './ftps/move.js';
import ftpsTrigger from './ftps/trigger.js';
import ftpsUpload from './ftps/upload.js';
import ftpsUploads from './ftps/uploads.js';
import httpRequest from './http/request.js';
import intervalTrigger from './interval/interval.js';
import kafkaProduce from './kafka/produce.js';
import kafkaTrigger from './kafka/trigger.js';
import kvGet from './kv/get.js';
import kvSet from './kv/set.js';
import mqttPublish from './mqtt/publish.js';
import mqttTrigger from './mqtt/trigger.js';
import namespaceDelete from './namespace/delete-files.js';
import namespaceDownload from './namespace/download-files.js';
import namespaceUpload from './namespace/upload-files.js';
import schedule from './schedule/schedule.js';
import scriptNode from './script/node.js';
import scriptPython from './script/python.js';
import scriptShell from './script/shell.js';
import sftpDelete from './sftp/delete.js';
import sftpDownload from './sftp/download.js';
import sftpDownloads from './sftp/downloads.js';
import sftpList from './sftp/list.js';
import sftpMove from './sftp/move.js';
import sftpTrigger from './sftp/trigger.js';
import sftpUpload from './sftp/upload.js';
import sftpUploads from './sftp/uploads.js';
import bash from './shell/bash.js';
import shell from './shell/commands.js';
import sqlQuery from './sql/query.js';
import stateDelete from './state/delete.js';
import stateGet from './state/get.js';
import stateSet from './state/set.js';
import storageConcat from './storage/concat.js';
import storageDeduplicateItems from './storage/deduplicate-items.js';
import storageDelete from './storage/delete.js';
import storageFilterItems from './storage/filter-items.js';
import storageLocalFiles from './storage/local-files.js';
import storagePurgeCurrentExecutionFiles from './storage/purge-current-execution-files.js';
import storageReverse from './storage/reverse.js';
import storageSize from './storage/size.js';
import storageSplit from './storage/split.js';
import storageWrite from './storage/write.js';
import templatedTask from './templating/templated-task.js';
import triggerToggle from './trigger/toggle.js';
import webhook from './webhook/webhook.js';

export const builtinTasks: readonly AnyTaskDefinition[] = [
  log,
  output,
  sequential,
  parallel,
  ifTask,
  switchTask,
  foreach,
  loop,
  eachSequential,
  eachParallel,
  dag,
  waitFor,
  workingDirectory,
  allowFailure,
  fail,
  executionLabels,
  executionExit,
  executionAssert,
  executionResume,
  executionSetVariables,
  executionUnsetVariables,
  executionPurgeExecutions,
  pause,
  approval,
  sleep,
  subflow,
  template,
  forEachItem,
  shell,
  bash,
  scriptShell,
  scriptPython,
  scriptNode,
  httpRequest,
  kvSet,
  kvGet,
  namespaceUpload,
  namespaceDownload,
  namespaceDelete,
  stateSet,
  stateGet,
  stateDelete,
  logFetch,
  echo,
  storageLocalFiles,
  storageConcat,
  storageSplit,
  storageSize,
  storageWrite,
  storageDelete,
  storageReverse,
  storageDeduplicateItems,
  storageFilterItems,
  storagePurgeCurrentExecutionFiles,
  templatedTask,
  triggerToggle,
  mqttPublish,
  kafkaProduce,
  amqpPublish,
  amqpConsume,
  amqpDeclareExchange,
  amqpDeclareQueue,
  amqpBind,
  sftpDelete,
  sftpDownload,
  sftpDownloads,
  sftpList,
  sftpMove,
  sftpUpload,
  sftpUploads,
  ftpDelete,
  ftpDownload,
  ftpDownloads,
  ftpList,
  ftpMove,
  ftpUpload,
  ftpUploads,
  ftpsDelete,
  ftpsDownload,
  ftpsDownloads,
  ftpsList,
  ftpsMove,
  ftpsUpload,
  ftpsUploads,
  dockerRun,
  sqlQuery,
];

export const builtinTriggers: readonly AnyTriggerDefinition[] = [
  schedule,
  mqttTrigger,
  webhook,
  fileTrigger,
  flowTrigger,
  intervalTrigger,
  kafkaTrigger,
  amqpTrigger,
  sftpTrigger,
  ftpTrigger,
  ftpsTrigger,
];
