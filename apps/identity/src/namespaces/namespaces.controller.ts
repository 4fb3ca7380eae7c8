import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { parseRequest } from '../common/parse-body';
import { CreateNamespaceRequest, createNamespaceSchema, NamespaceResponse } from './namespace.dto';
import { NamespacesService } from './namespaces.service';

@ApiTags('namespaces')
@Controller('v1/namespaces')
export class NamespacesController {
  constructor(private readonly namespaces: NamespacesService) {}

  @Get()
  @ApiOperation({ summary: 'Every namespace, standard ones first' })
  @ApiResponse({ status: 200, type: [NamespaceResponse] })
  list(): Promise<NamespaceResponse[]> {
    return this.namespaces.list();
  }

  @Get(':code')
  @ApiResponse({ status: 200, type: NamespaceResponse })
  get(@Param('code') code: string): Promise<NamespaceResponse> {
    return this.namespaces.get(code);
  }

  @Post()
  @ApiOperation({ summary: 'Create a custom namespace (code and type cannot change later)' })
  @ApiResponse({ status: 201, type: NamespaceResponse })
  create(@Body() body: CreateNamespaceRequest): Promise<NamespaceResponse> {
    return this.namespaces.create(parseRequest(createNamespaceSchema, body));
  }
}
