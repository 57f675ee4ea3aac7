// Fired by its timer trigger; the event carries the trigger name and time.
exports.main = async (event) => {
  console.log(`tick from ${event.TriggerName || 'manual'} at ${event.Time || new Date().toISOString()}`);
  return { ok: true };
};
