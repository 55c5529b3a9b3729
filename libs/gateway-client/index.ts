export { GatewayFib, type GatewayFibOptions } from './src/gateway-fib.ts';
