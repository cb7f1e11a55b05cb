/** `sftp.move` (Kestra's sftp.Move): see plugins/fs/tasks.ts. */
import { sftpProtocol } from '../fs/sftp-client.js';
import { moveTask } from '../fs/tasks.js';

export default moveTask(sftpProtocol);
