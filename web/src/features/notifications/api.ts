import { get } from '../../api/client';

/** A message the platform would have sent by SMS or e-mail (demo mode: nothing leaves the machine). */
export interface MailboxItem {
  id: number;
  channel: 'sms' | 'email';
  recipient: string;
  subject: string | null;
  body: string;
  createdAt: string;
}

export const listMailbox = () => get<{ items: MailboxItem[] }>('/api/dev/mailbox', { limit: 100 }).then((r) => r.items);
