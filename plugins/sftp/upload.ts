/** `sftp.upload` (Kestra's sftp.Upload): see plugins/fs/tasks.ts. */
import { sftpProtocol } from '../fs/sftp-client.js';
import { uploadTask } from '../fs/tasks.js';

export default uploadTask(sftpProtocol);
