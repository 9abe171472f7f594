import { MemoryObjectStore } from '../../shared/object-store/memory-store.ts'
import { describeGitStoreContract } from '../contract/git-store-contract.ts'

describeGitStoreContract('in-memory store', () => new MemoryObjectStore())
