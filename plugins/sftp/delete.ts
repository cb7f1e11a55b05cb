/** `sftp.delete` (Kestra's sftp.Delete): see plugins/fs/tasks.ts. */
import { sftpProtocol } from '../fs/sftp-client.js';
import { deleteTask } from '../fs/tasks.js';

export default deleteTask(sftpProtocol);
