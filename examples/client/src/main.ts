// Runs the client flow against RESTBATCH_URL (default http://127.0.0.1:8080); exits 0 when every call succeeded.
import { runClientFlow } from './run-client-flow.js';

const url = process.env.RESTBATCH_URL || 'http://127.0.0.1:8080';
try {
  const report = await runClientFlow(url, (line) => console.log(line));
  const statuses = [...report.seed, report.parameters, ...report.claims, ...report.odata];
  const ok = statuses.every((s) => s >= 200 && s < 300) && report.claimRequests === 1;
  console.log(ok ? 'all calls succeeded' : `some calls failed: ${JSON.stringify(report)}`);
  process.exit(ok ? 0 : 1);
} catch (error) {
  console.error(error);
  process.exit(1);
}
