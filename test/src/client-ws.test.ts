import { clientSuite } from './support/client-scenarios.js';

clientSuite('ws').run();
