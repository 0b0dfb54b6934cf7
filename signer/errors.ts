/**
 * Start-up failures. Both carry only variable names: a message that quoted a value could put a master key
 * into a container log.
 */
export class CriticalSecurityError extends Error {
  readonly variables: readonly string[]
  constructor(problems: readonly { variable: string; message: string }[]) {
    super(`signer refused to start: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`)
    this.name = 'CriticalSecurityError'
    this.variables = problems.map((p) => p.variable)
  }
}

export class ConfigError extends Error {
  readonly variables: readonly string[]
  constructor(problems: readonly { variable: string; message: string }[]) {
    super(`signer configuration invalid: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`)
    this.name = 'ConfigError'
    this.variables = problems.map((p) => p.variable)
  }
}

export type Problem = { readonly variable: string; readonly message: string }
