// The HTTP ceiling: a bare Fastify route on the same machine, in its own process like the server.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/readyz', async () => ({ status: 'ready' }));
app.get('/hello', async () => ({ hello: 'world' }));
app.post('/hello', async (req) => ({ ok: true, got: typeof req.body }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
