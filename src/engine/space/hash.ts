/** The candidate hash: plain code in the shared layer (src/shared/hash.ts), so stored records can name supernets too. */
export { hashString } from '../../shared/hash';
