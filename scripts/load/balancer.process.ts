// One process of the load's round-robin balancer (packages/server/src/testing/balancer.ts), started by load.run.ts
// with the instances' ports as arguments. A TCP proxy holds two descriptors per connection, and one process may
// hold 20,000 here (no raising the hard limit without CAP_SYS_RESOURCE), so 10,500 sockets need two such processes,
// as a deployment runs several HAProxy processes. Says its port over IPC and answers where a socket landed.
import { startRoundRobinProxy } from '../../packages/server/src/testing/balancer';
import type { BalancerMessage, BalancerReply } from './load.run';

const proxy = await startRoundRobinProxy(process.argv.slice(2).map(Number));
const reply = (message: BalancerReply) => process.send?.(message);
process.on('message', (message: BalancerMessage) => {
  reply({ t: 'located', id: message.id, instance: proxy.instanceOf(message.port) ?? null });
});
process.on('disconnect', () => {
  void proxy.close().finally(() => process.exit(0));
});
reply({ t: 'listening', port: proxy.port });
