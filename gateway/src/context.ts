/** What the gateway knows about one client request while planning and fetching. */
export interface GatewayContext {
  requestId: string;
}
