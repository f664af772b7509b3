/** A simulator value the docs test put in the environment (the names `relaykit simulate` prints). */
export function simulatorValue(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`[relaykit] docs test: ${name} is not set; start the simulator first`);
  return value;
}
