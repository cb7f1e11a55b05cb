/** The `ftp` trigger (Kestra's ftp.Trigger): see plugins/fs/trigger.ts. */
import { ftpProtocol } from '../fs/ftp-client.js';
import { fileTrigger } from '../fs/trigger.js';

export default fileTrigger(ftpProtocol);
