// The Octokit plugins use Bottleneck's light build (no clustering); it has the main build's API.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck'
  export default Bottleneck
}
