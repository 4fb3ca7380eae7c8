import { Controller, Delete, Get, HttpStatus, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { compareIdentities } from '@weft/identity-graph';
import { DomainError } from '@weft/platform';
import { parseRequest } from '../common/parse-body';
import { IdentityRulesService } from '../identity-rules/identity-rules.service';
import { GraphChangeOutbox } from './graph-change-outbox';
import { GraphChangesResponse, IdentityGraphResponse, identityQuerySchema } from './identity-graph.dto';
import { GraphStoreError, PostgresGraphStore, type StoredGraph } from './postgres-graph-store';

@ApiTags('identities')
@Controller('v1/identities')
export class IdentityGraphsController {
  constructor(
    private readonly store: PostgresGraphStore,
    private readonly rules: IdentityRulesService,
    private readonly outbox: GraphChangeOutbox,
  ) {}

  @Get('graph')
  @ApiOperation({ summary: 'The graph of one identity' })
  @ApiQuery({ name: 'namespace', example: 'Email' })
  @ApiQuery({ name: 'id', example: 'tom@acme.com' })
  @ApiResponse({ status: 200, type: IdentityGraphResponse })
  async byIdentity(@Query() query: Record<string, string>): Promise<IdentityGraphResponse> {
    const identity = parseRequest(identityQuerySchema, query, 'query');
    const graph = await this.store.findByIdentity(identity);
    if (!graph) throw notFound(`identity ${identity.namespace}:${identity.id} is not known`);
    return this.toResponse(graph);
  }

  @Get('graph/:profileId')
  @ApiOperation({ summary: 'A graph by its profile id' })
  @ApiResponse({ status: 200, type: IdentityGraphResponse })
  async byProfileId(@Param('profileId') profileId: string): Promise<IdentityGraphResponse> {
    const graph = await this.store.findByProfileId(profileId);
    if (!graph) throw notFound(`profile ${profileId} has no identity graph`);
    return this.toResponse(graph);
  }

  @Delete()
  @ApiOperation({ summary: 'Privacy delete of one identity and its links (the rest of its graph may split)' })
  @ApiQuery({ name: 'namespace' })
  @ApiQuery({ name: 'id' })
  @ApiResponse({ status: 200, type: GraphChangesResponse })
  async deleteIdentity(@Query() query: Record<string, string>): Promise<GraphChangesResponse> {
    const identity = parseRequest(identityQuerySchema, query, 'query');
    const changes = await mapErrors(async () => this.store.deleteIdentity(identity, await this.rules.graphConfig()));
    await this.outbox.flush();
    return { changes };
  }

  @Delete('graph/:profileId')
  @ApiOperation({ summary: 'Privacy delete of a whole graph: every identity and link of the profile' })
  @ApiResponse({ status: 200, type: GraphChangesResponse })
  async deleteGraph(@Param('profileId') profileId: string): Promise<GraphChangesResponse> {
    const changes = await mapErrors(() => this.store.deleteGraph(profileId));
    await this.outbox.flush();
    return { changes };
  }

  private async toResponse(graph: StoredGraph): Promise<IdentityGraphResponse> {
    const config = await this.rules.graphConfig();
    return {
      profileId: graph.profileId,
      identities: [...graph.identities].sort(compareIdentities).map((i) => ({
        namespace: i.namespace,
        id: i.id,
        type: config.namespace(i.namespace)?.type ?? 'UNKNOWN',
        firstSeen: i.firstSeen.toISOString(),
        lastSeen: i.lastSeen.toISOString(),
        ...(i.linkedAt ? { linkedAt: i.linkedAt.toISOString() } : {}),
        ...(i.linkRefusal ? { linkRefusal: i.linkRefusal } : {}),
      })),
      links: graph.links.map((l) => ({ a: l.a, b: l.b, at: l.at.toISOString() })),
    };
  }
}

function notFound(message: string): DomainError {
  return new DomainError('not_found', message, HttpStatus.NOT_FOUND);
}

async function mapErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof GraphStoreError) throw notFound(err.message);
    throw err;
  }
}
