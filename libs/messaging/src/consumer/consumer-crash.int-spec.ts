import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestTopics, expectEventually, integrationEnv, uniqueName } from '@weft/testing';
import { createKafka } from '../kafka/kafka-client';
import { MessageProducer } from '../producer/producer';
import { MessageConsumer } from './consumer';

const root = path.resolve(__dirname, '../../../..');

function startConsumerProcess(topic: string, groupId: string, outFile: string): ChildProcess {
  return spawn(process.execPath, ['-r', '@swc-node/register', path.join(root, 'libs/messaging/test/crash-consumer.ts'), topic, groupId, outFile], {
    cwd: root,
    env: { ...process.env, SWC_NODE_PROJECT: path.join(root, 'tsconfig.base.json') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe(`${MessageConsumer.name} killed mid-batch`, () => {
  it('processes every message at least once after a SIGKILL and restart', async () => {
    const [topic] = await createTestTopics(['crash'], 2);
    const groupId = uniqueName('crash-group');
    const outFile = path.join(mkdtempSync(path.join(tmpdir(), 'weft-crash-')), 'handled.txt');
    const producer = new MessageProducer(createKafka({ clientId: 'crash-test', brokers: integrationEnv().kafkaBrokers }));
    await producer.connect();
    const values = Array.from({ length: 600 }, (_, i) => `m${i}`);
    await producer.send(topic, values.map((v) => ({ key: v, value: Buffer.from(v) })));
    await producer.close();

    const first = startConsumerProcess(topic, groupId, outFile);
    await expectEventually(() => expect(lines(outFile).length).toBeGreaterThanOrEqual(150), { timeoutMs: 30_000 });
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const beforeRestart = new Set(lines(outFile));
    expect(beforeRestart.size).toBeLessThan(values.length);

    const second = startConsumerProcess(topic, groupId, outFile);
    try {
      await expectEventually(() => expect(new Set(lines(outFile))).toEqual(new Set(values)), { timeoutMs: 60_000 });
    } finally {
      second.kill('SIGTERM');
      await new Promise((resolve) => second.once('exit', resolve));
    }
  }, 120_000);
});
