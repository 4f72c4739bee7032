Feature: division
  Scenario: undefined
    Given a number
    When it is multiplied by 2
    Then there is a result
