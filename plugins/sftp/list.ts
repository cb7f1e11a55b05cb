/** `sftp.list` (Kestra's sftp.List): see plugins/fs/tasks.ts. */
import { sftpProtocol } from '../fs/sftp-client.js';
import { listTask } from '../fs/tasks.js';

export default listTask(sftpProtocol);
