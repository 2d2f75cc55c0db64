// RnnService dashboard: hash routes, one view module per page, plain DOM (no framework, no build step).
import { apiKey, setApiKey } from './api.js';
import { toast } from './dom.js';
import { start } from './router.js';
import { jobsView } from './views/jobs.js';
import { jobView } from './views/job.js';
import { compareView } from './views/compare.js';
import { trainView } from './views/train.js';
import { sweepsView } from './views/sweeps.js';
import { sweepView } from './views/sweep.js';
import { sweepFormView } from './views/sweep-form.js';
import { modelsView } from './views/models.js';
import { modelView } from './views/model.js';
import { datasetsView } from './views/datasets.js';
import { webhooksView } from './views/webhooks.js';

const keyInput = document.getElementById('api-key');
keyInput.value = apiKey();
keyInput.addEventListener('change', () => { setApiKey(keyInput.value.trim()); toast(keyInput.value ? 'API key saved in this browser' : 'API key cleared'); });

start([
  [/^\/jobs$/, jobsView, 'jobs'],
  [/^\/jobs\/([0-9a-f-]{36})$/, jobView, 'jobs'],
  [/^\/compare$/, compareView, 'compare'],
  [/^\/train$/, trainView, 'train'],
  [/^\/sweeps$/, sweepsView, 'sweeps'],
  [/^\/sweeps\/new$/, sweepFormView, 'sweeps'],
  [/^\/sweeps\/([0-9a-f-]{36})$/, sweepView, 'sweeps'],
  [/^\/models$/, modelsView, 'models'],
  [/^\/models\/([^/]+)$/, modelView, 'models'],   // any model reference: id, name, name@version, name@alias
  [/^\/datasets$/, datasetsView, 'datasets'],
  [/^\/webhooks$/, webhooksView, 'webhooks'],
]);
