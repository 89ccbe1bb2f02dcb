import { clientSuite } from './support/client-scenarios.js';

clientSuite('http').run();
