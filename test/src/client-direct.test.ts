import { clientSuite } from './support/client-scenarios.js';

clientSuite('direct').run();
