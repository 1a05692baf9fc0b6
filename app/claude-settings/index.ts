export { ClaudeSettingsError, ClaudeSettingsWriter, envOf, previewWrite, settingsPathFor } from './settings-file.js';
export { lineDiff } from './diff.js';
export { claudeEnv, exportLines } from './setup.js';
