import type { CampaignRecord } from '../stores.ts';

/** A campaign record as text, for stores that keep it in one column or key. */
export function encodeCampaign(record: CampaignRecord): string {
  return JSON.stringify(record);
}

export function decodeCampaign(text: string): CampaignRecord {
  const raw = JSON.parse(text) as CampaignRecord & { createdAt: string; updatedAt: string };
  return { ...raw, createdAt: new Date(raw.createdAt), updatedAt: new Date(raw.updatedAt) };
}
