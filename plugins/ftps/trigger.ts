/** The `ftps` trigger (Kestra's ftps.Trigger): see plugins/fs/trigger.ts. */
import { ftpsProtocol } from '../fs/ftp-client.js';
import { fileTrigger } from '../fs/trigger.js';

export default fileTrigger(ftpsProtocol);
