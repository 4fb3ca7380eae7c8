import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { GraphConfigError } from '@weft/identity-graph';
import { DomainError } from '@weft/platform';
import { parseRequest } from '../common/parse-body';
import { simulateScenario } from './simulate-scenario';
import { SimulationRequest, SimulationResponse, simulationSchema } from './simulation.dto';

@ApiTags('identities')
@Controller('v1/identities/simulate')
export class SimulationController {
  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Replay events with a configuration in memory; stored graphs are not read nor changed' })
  @ApiResponse({ status: 200, type: SimulationResponse })
  async simulate(@Body() body: SimulationRequest): Promise<SimulationResponse> {
    const input = parseRequest(simulationSchema, body);
    try {
      return await simulateScenario(input);
    } catch (err) {
      if (err instanceof GraphConfigError) {
        throw new DomainError('invalid_config', err.message, HttpStatus.BAD_REQUEST, [{ path: 'config', code: err.code, message: err.message }]);
      }
      throw err;
    }
  }
}
