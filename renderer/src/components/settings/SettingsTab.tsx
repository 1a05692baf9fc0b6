import { useSettings } from '../../settings-context.js';
import { useInvoke } from '../../hooks.js';
import { ConnectCard } from '../connect/ConnectCard.js';
import { ApiKeyCard } from './ApiKeyCard.js';
import { SettingsForm } from './SettingsForm.js';

export function SettingsTab() {
  const { view, error, setView } = useSettings();
  // The list depends on the upstream and the key: ask again when either changes.
  const modelsKey = view ? `${view.settings.baseUrl}|${view.apiKey.set}|${view.apiKey.last4}` : '';
  const models = useInvoke('models.list', undefined, modelsKey);
  const prices = useInvoke('pricing.list', undefined, view ? JSON.stringify(view.settings.pricingOverrides) : '');

  return (
    <section className="panel-body" aria-labelledby="settings-heading">
      <div className="section-head">
        <h2 id="settings-heading">Settings</h2>
        <p className="muted">
          Each value comes from an environment variable, your saved settings, or the default, in that order. Changes apply to the next request.
        </p>
      </div>
      {error && <p role="alert" className="error">Could not load settings: {error}</p>}
      {view?.recoveredFrom && (
        <div role="alert" className="banner banner-warn">
          <strong>Your settings file could not be read</strong> and was moved to <code>{view.recoveredFrom}</code>. CCProxy started from defaults;
          re-enter your settings below.
        </div>
      )}
      {view && (
        <>
          <ApiKeyCard view={view} onView={setView} />
          <ConnectCard />
          <SettingsForm view={view} models={models.data ?? []} modelsError={models.error} prices={prices.data ?? []} onView={setView} />
        </>
      )}
    </section>
  );
}
